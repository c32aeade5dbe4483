from otasuke.cli import main

main()
