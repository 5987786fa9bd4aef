from coursectl.cli import main

main()
