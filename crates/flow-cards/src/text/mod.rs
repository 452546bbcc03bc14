//! Text cards.

cards!(compose);
