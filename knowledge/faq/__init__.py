"""The terms as text to answer from: the FAQ, the Japanese analyser, retrieval and the hand-off."""
