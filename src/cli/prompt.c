/* prompt.c — answers from a terminal without echo, or lines from a pipe; see
 * prompt.h. */
#include "cli/prompt.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/* The terminal state to put back; touched from signal handlers, hence the
 * flag is sig_atomic_t and tcsetattr (async-signal-safe) is all they do. */
static struct termios prompt_saved;
static volatile sig_atomic_t prompt_echo_is_off;

static const int prompt_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT,
				     SIGTSTP};
#define PROMPT_NSIG (sizeof prompt_signals / sizeof prompt_signals[0])

static void prompt_on_signal(int sig)
{
	if (prompt_echo_is_off)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &prompt_saved);
	prompt_echo_is_off = 0;
	signal(sig, SIG_DFL);
	raise(sig);
}

int prompt_is_tty(void)
{
	return isatty(STDIN_FILENO);
}

static int prompt_echo_off(struct sigaction old[PROMPT_NSIG])
{
	if (tcgetattr(STDIN_FILENO, &prompt_saved) < 0)
		return -1;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = prompt_on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < PROMPT_NSIG; i++)
		sigaction(prompt_signals[i], &sa, &old[i]);
	struct termios t = prompt_saved;
	t.c_lflag &= ~(tcflag_t)ECHO;
	t.c_lflag |= ECHONL; /* the Enter key still moves to the next line */
	prompt_echo_is_off = 1;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &t) < 0) {
		prompt_echo_is_off = 0;
		for (size_t i = 0; i < PROMPT_NSIG; i++)
			sigaction(prompt_signals[i], &old[i], NULL);
		return -1;
	}
	return 0;
}

static void prompt_echo_on(struct sigaction old[PROMPT_NSIG])
{
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &prompt_saved);
	prompt_echo_is_off = 0;
	for (size_t i = 0; i < PROMPT_NSIG; i++)
		sigaction(prompt_signals[i], &old[i], NULL);
}

/* One line from fd 0 into out. A last line without '\n' counts; end of
 * input before any byte does not. A too-long line is read to its end so the
 * next answer starts on the next line, then refused. */
static int prompt_read_line(char *out, size_t n, struct err *e)
{
	size_t len = 0;
	int got_any = 0, too_long = 0;
	for (;;) {
		char ch;
		ssize_t r = read(STDIN_FILENO, &ch, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			out[len] = '\0';
			return err_set(e, ERR_INTERNAL, "input",
				       "cannot read the answer: %s",
				       strerror(errno));
		}
		if (r == 0) {
			if (!got_any) {
				out[0] = '\0';
				return err_set(e, ERR_MALFORMED, "input",
					       "no answer: the input ended");
			}
			break;
		}
		got_any = 1;
		if (ch == '\n')
			break;
		if (len + 1 >= n) {
			too_long = 1;
			continue;
		}
		out[len++] = ch;
	}
	if (len > 0 && out[len - 1] == '\r')
		len--;
	out[len] = '\0';
	if (too_long) {
		memset(out, 0, n);
		return err_set(e, ERR_INVALID, "input",
			       "the answer is longer than %zu bytes", n - 1);
	}
	return 0;
}

int prompt_ask(const char *question, int secret, char *out, size_t n,
	       struct err *e)
{
	if (n == 0)
		return err_set(e, ERR_INTERNAL, NULL, "no room for an answer");
	/* Whatever was printed before (a QR code, a secret) must be visible
	 * before the program blocks, also when stdout is a pipe. */
	fflush(stdout);
	int tty = prompt_is_tty();
	struct sigaction old[PROMPT_NSIG];
	int echo_off = 0;
	if (tty) {
		fputs(question, stderr);
		fflush(stderr);
		if (secret) {
			if (prompt_echo_off(old) < 0)
				return err_set(e, ERR_INTERNAL, "input",
					       "cannot turn off echo: %s",
					       strerror(errno));
			echo_off = 1;
		}
	}
	int rc = prompt_read_line(out, n, e);
	if (echo_off)
		prompt_echo_on(old);
	return rc;
}
