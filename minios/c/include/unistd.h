/* unistd.h of minios's small libc. */
#ifndef _MINIOS_UNISTD_H
#define _MINIOS_UNISTD_H
/* Sleeps seconds; returns 0. */
unsigned int sleep(unsigned int seconds);
/* Sleeps usec microseconds (rounded up to a millisecond); returns 0. */
int usleep(unsigned int usec);
#endif
