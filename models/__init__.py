"""The assistant's models (torch): tokens in, tokens out.

Will own the transformer, the decoding engine, checkpoints and training. Imports
``composer`` for tokens and request types, never Qt; ``ui`` never imports training code.
"""
