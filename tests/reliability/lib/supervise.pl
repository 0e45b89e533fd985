#!/usr/bin/perl
# supervise.pl — what systemd does for a pool or worker in production,
# for the fault suites: hold the listening socket (when one is named) and
# pass it as fd 3 with LISTEN_FDS/LISTEN_PID, start the program again
# whenever it exits (Restart=always), and write its pid where the suite
# finds it. SIGTERM stops the program (SIGTERM, then waits) and exits; so
# does the suite going away.
#
#   supervise.pl [--socket PATH] PIDFILE PROGRAM ARGS...
use strict;
use warnings;
use Fcntl qw(F_SETFD);
use POSIX qw(dup2 setsid :sys_wait_h);
use Socket;

my $path;
if (@ARGV && $ARGV[0] eq '--socket') {
	shift @ARGV;
	$path = shift @ARGV;
}
my ($pidfile, @program) = @ARGV;
die "usage: supervise.pl [--socket PATH] PIDFILE PROGRAM ARGS...\n"
    unless defined $pidfile && @program;

# The socket, bound beside the path and renamed over it: whoever served
# the path before keeps its queue, new connections come here.
my $sock;
if (defined $path) {
	my $tmp = "$path.sup$$";
	unlink $tmp;
	socket($sock, PF_UNIX, SOCK_STREAM, 0) or die "socket: $!\n";
	bind($sock, pack_sockaddr_un($tmp)) or die "bind $tmp: $!\n";
	listen($sock, 1024) or die "listen: $!\n";
	chmod 0666, $tmp;
	rename($tmp, $path) or die "rename $tmp: $!\n";
}

my $parent = getppid();
my ($child, $stopping) = (0, 0);
$SIG{TERM} = $SIG{INT} = sub { $stopping = 1; kill 'TERM', $child if $child };

sub start {
	my $pid = fork() // die "fork: $!\n";
	if ($pid == 0) {
		setsid();
		if ($sock) {
			if (fileno($sock) != 3) {
				dup2(fileno($sock), 3) // die "dup2: $!\n";
			}
			open(my $three, '<&=', 3) or die "fd 3: $!\n";
			fcntl($three, F_SETFD, 0) or die "fcntl: $!\n";
			$ENV{LISTEN_FDS} = 1;
			$ENV{LISTEN_PID} = $$;
		}
		exec(@program) or die "exec $program[0]: $!\n";
	}
	open(my $fh, '>', "$pidfile.tmp") or die "$pidfile: $!\n";
	print $fh "$pid\n";
	close $fh;
	rename("$pidfile.tmp", $pidfile);
	return $pid;
}

$child = start();
while (1) {
	my $done = waitpid($child, WNOHANG);
	if ($done == $child) {
		last if $stopping;
		select(undef, undef, undef, 0.2);	# RestartSec
		$child = start();
		next;
	}
	if (!$stopping && getppid() != $parent) {	# the suite went away
		$stopping = 1;
		kill 'TERM', $child;
	}
	select(undef, undef, undef, 0.05);
}
unlink $pidfile;
exit 0;
