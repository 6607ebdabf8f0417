"""Errors of the catalogue import."""


class CatalogueFormatError(ValueError):
    """The file as a whole cannot be read in the chosen format (nothing was imported).

    Raised before the first write: wrong format chosen, empty file, not MARC/XML/CSV at all.
    The message is French and addressed to the person who chose the file.
    """
