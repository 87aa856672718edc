"""Example data shipped with edi_xl (installed as the package ``edi_xl.examples``)."""
