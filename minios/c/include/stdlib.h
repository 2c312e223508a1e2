/* stdlib.h of minios's small libc: the allocator and exit in Rust (minios/c/src/ffi.rs),
 * conversions and qsort from tinyrlibc. */
#ifndef _MINIOS_STDLIB_H
#define _MINIOS_STDLIB_H
#include <stddef.h>

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1

void *malloc(size_t size);
void *calloc(size_t nmemb, size_t size);
void *realloc(void *ptr, size_t size);
void free(void *ptr);
_Noreturn void exit(int status);
_Noreturn void abort(void);
int abs(int j);
int atoi(const char *s);
long strtol(const char *s, char **end, int base);
long long strtoll(const char *s, char **end, int base);
unsigned long strtoul(const char *s, char **end, int base);
unsigned long long strtoull(const char *s, char **end, int base);
void qsort(void *base, size_t nmemb, size_t size, int (*compar)(const void *, const void *));
#endif
