// tools/bpf-floor.c — attaches every program of a BPF object file and holds them until
// SIGTERM/SIGINT: the node benchmark's "floor" arm (ebpf/bench/rss_stat_floor.bpf.o).
// Built by tools/bench-node.sh with the system clang or cc and libbpf.
//
//   bpf-floor OBJECT      prints "attached" on stderr once everything is attached
#include <bpf/libbpf.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static void stop(int signal) { (void)signal; }

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: bpf-floor OBJECT\n");
		return 2;
	}
	struct bpf_object *object = bpf_object__open_file(argv[1], NULL);
	if (!object || bpf_object__load(object) != 0) {
		fprintf(stderr, "bpf-floor: cannot load %s\n", argv[1]);
		return 1;
	}
	struct bpf_program *program;
	bpf_object__for_each_program(program, object) {
		if (!bpf_program__attach(program)) {
			fprintf(stderr, "bpf-floor: cannot attach %s\n", bpf_program__name(program));
			return 1;
		}
	}
	signal(SIGTERM, stop);
	signal(SIGINT, stop);
	fprintf(stderr, "attached\n");
	pause();
	bpf_object__close(object); /* detaches */
	return 0;
}
