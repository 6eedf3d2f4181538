#ifndef TAPIO_CLIBBPF_SHIM_H
#define TAPIO_CLIBBPF_SHIM_H
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#endif
