from strongroom_cli.app import main

main()
