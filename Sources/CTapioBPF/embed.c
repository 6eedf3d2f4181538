// Embeds the compiled BPF object (built by `make bpf`, i.e. ebpf/ebpf.mk) into the binary.
// #embed resolves the path relative to this file, whatever directory the compiler runs in,
// and the compiler's dependency file lists it, so a rebuilt object re-embeds.
#include "CTapioBPF.h"

#if !__has_include("../../ebpf/.output/oom_detector.bpf.o")
#error "ebpf/.output/oom_detector.bpf.o is missing: build the BPF object first with `make bpf` (or `make -f ebpf/ebpf.mk bpf`) from the repository root, then run swift build again."
#else

#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wc23-extensions"
__attribute__((aligned(8)))
static const unsigned char tapio_bpf_object_bytes[] = {
#embed "../../ebpf/.output/oom_detector.bpf.o"
};
#pragma clang diagnostic pop

const void *tapio_bpf_object(size_t *size)
{
	if (size)
		*size = sizeof(tapio_bpf_object_bytes);
	return tapio_bpf_object_bytes;
}

#endif
