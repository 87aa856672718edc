from edi_xl.cli import main

main()
