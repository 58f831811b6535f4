"""quizapp: interview practice on batch size, epochs, learning rate and training regimes."""
