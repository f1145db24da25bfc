from qualitytool.cli import main

main()
