/*
 * prompt.c — asking a person: on the terminal itself (/dev/tty, so that a
 * pipe on stdin does not answer for them), echo off for a password; or
 * one line of stdin for scripts (--password-stdin).
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "opctl.h"

/* One line from fd into out without its newline: 0, or -1 on EOF before
 * anything, a read error or a line longer than out. */
static int
read_line(int fd, char *out, size_t outlen)
{
	size_t	 n = 0;
	ssize_t	 r;
	char	 ch;

	for (;;) {
		r = read(fd, &ch, 1);
		if (r < 0)
			return -1;
		if (r == 0 || ch == '\n')
			break;
		if (n + 1 >= outlen) {
			explicit_bzero(out, outlen);
			return -1;
		}
		out[n++] = ch;
	}
	if (r == 0 && n == 0)
		return -1;
	if (n > 0 && out[n - 1] == '\r')
		n--;
	out[n] = '\0';
	return 0;
}

int
opctl_prompt(const char *prompt, int secret, char *out, size_t outlen)
{
	struct termios	 saved, quiet;
	ssize_t		 nl;
	int		 fd, rc, echo_off = 0;

	if ((fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY)) == -1)
		return -1;
	if (write(fd, prompt, strlen(prompt)) < 0) {
		close(fd);
		return -1;
	}
	if (secret && tcgetattr(fd, &saved) == 0) {
		quiet = saved;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		echo_off = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
	}
	rc = read_line(fd, out, outlen);
	if (echo_off) {
		(void)tcsetattr(fd, TCSAFLUSH, &saved);
		nl = write(fd, "\n", 1);	/* the answer stands without it */
		(void)nl;
	}
	close(fd);
	return rc;
}

int
opctl_read_stdin_line(char *out, size_t outlen)
{
	return read_line(STDIN_FILENO, out, outlen);
}
