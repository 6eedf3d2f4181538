#ifndef TAPIO_CLZ4_SHIM_H
#define TAPIO_CLZ4_SHIM_H
#include <lz4.h>
#endif
