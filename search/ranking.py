"""How much each kind of match counts: the same weights in every engine, so that both put the
same document first (tuned on the relevance set's dev seeds, never on the committed set)."""

EXACT_BOOST = 2.0
RAW_BOOST = 0.3  # raw OCR text counts little: it is there to find words repair changed
META_BOOST = 1.5  # a word of the type, issuer or subject says more than one in the body
NUMBER_BOOST = 8.0  # a document number typed whole is the record with that number
PROXIMITY_BOOST = 5.0  # the words typed together, found together: syllables make words
