//! Text cards.

cards!(compose, split);
