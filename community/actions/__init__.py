"""Business logic of the community package: one module per noun, functions named for what they do."""
