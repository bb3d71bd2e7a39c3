from lossexp.cli import main

main()
