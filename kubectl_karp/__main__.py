from kubectl_karp.cli.app import main

main()
