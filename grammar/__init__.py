"""The axcomp DSL grammar files; installed as the package ``axcomp._grammar``."""
