// Command n9e-lab starts Nightingale's center (API server, alert engine, pushgw) in one process, for the
// n9e-k8s test lab. It is our own small entry point: the n9e code comes from the pinned Go module.
//
// Usage: n9e-lab -configs <dir containing config.toml>
// Relative paths in config.toml (SQLite file, logs, integrations) resolve against the working directory.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/ccfos/nightingale/v6/center"
	"github.com/ccfos/nightingale/v6/pkg/version"
	"github.com/toolkits/pkg/runner"
)

func main() {
	configs := flag.String("configs", "etc", "directory that holds config.toml")
	cryptoKey := flag.String("crypto-key", "", "secret key for encrypted config fields")
	showVersion := flag.Bool("version", false, "print the n9e version and exit")
	flag.Parse()

	if *showVersion {
		fmt.Println(version.Version)
		return
	}

	// runner.Cwd is where n9e looks for pub/ when [Center] UseFileAssets is on.
	runner.Init()
	fmt.Printf("n9e-lab: version=%s cwd=%s configs=%s pid=%d\n", version.Version, runner.Cwd, *configs, os.Getpid())

	cleanup, err := center.Initialize(*configs, *cryptoKey)
	if err != nil {
		log.Fatalln("n9e-lab: failed to initialize:", err)
	}

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM, syscall.SIGQUIT)
	s := <-sig
	fmt.Println("n9e-lab: received signal:", s)
	cleanup()
	fmt.Println("n9e-lab: exited")
}
