"""Cells of the CSV files librarians open in a spreadsheet.

Excel and LibreOffice read a cell starting with ``=``, ``+``, ``-``, ``@`` (or a tab or a
carriage return) as a formula: text a member or a visitor typed (a suggestion's title, a
name) could run one on a librarian's computer (CSV injection). Such a cell gets a leading
apostrophe, which the spreadsheet shows as text.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """``value`` unchanged unless it is text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
