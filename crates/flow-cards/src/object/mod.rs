//! Object cards: read a value by dot path, build an object.

cards!(construct, get);
