// Command fakecri serves the in-memory CRI runtime and image services of k8s.io/cri-client/pkg/fake on a
// unix socket, so that the lab can run a real kubelet without a container runtime (no containerd, no
// runc, no cgroups): pods "run" as records in memory and the kubelet's runtime metrics are real.
//
// usage: fakecri unix:///path/to/cri.sock
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"k8s.io/cri-client/pkg/fake"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: fakecri unix:///path/to/cri.sock")
		os.Exit(2)
	}
	runtime := fake.NewFakeRemoteRuntime()
	// The kubelet refuses an image without a size (ImageInspectError): every pulled image gets one.
	runtime.ImageService.SetFakeImageSize(1 << 20)
	if err := runtime.Start(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "fakecri:", err)
		os.Exit(1)
	}
	fmt.Println("fakecri: serving", os.Args[1])
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
	runtime.Stop()
}
