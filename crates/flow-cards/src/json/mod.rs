//! JSON cards: parse text into declared fields, and turn values into JSON text.

cards!(parse, stringify);
