from rris.cli import main

main()
