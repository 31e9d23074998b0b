from diglot.cli import main

main()
