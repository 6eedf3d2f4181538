// CTapioBPF — the kernel/user ABI (ebpf/tapio_abi.h) as Swift sees it, and the compiled
// BPF object embedded in the binary so an installed tapio-exporter needs no path flag.
#ifndef CTAPIOBPF_H
#define CTAPIOBPF_H

#include <stddef.h>
#include "../../../ebpf/tapio_abi.h"

/// The embedded ebpf/.output/oom_detector.bpf.o: its bytes and, through `size`, its length.
const void *tapio_bpf_object(size_t *size);

#endif
