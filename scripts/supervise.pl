#!/usr/bin/perl
# supervise.pl — what systemd does for a pool or worker in production,
# for the stack and the fault suites: hold the listening socket (when one
# is named) and pass it as fd 3 with LISTEN_FDS/LISTEN_PID, start the
# program again whenever it exits (Restart=always), and write its pid
# where the suite finds it. SIGTERM stops the program (SIGTERM, then
# waits) and exits; so does the one that started this going away.
#
# --on-demand is socket activation of a unit with Restart=on-failure, as
# the pools' units are: a program that exits with status 0 (a pool idle
# for OP_IDLE_EXIT_S) is started again only when a connection waits
# on the socket; its pid file is gone meanwhile. Any other end is a
# failure, restarted at once.
#
#   supervise.pl [--socket PATH [--on-demand]] PIDFILE PROGRAM ARGS...
use strict;
use warnings;
use Fcntl qw(F_SETFD);
use POSIX qw(dup2 setsid :sys_wait_h);
use Socket;

my ($path, $on_demand);
if (@ARGV && $ARGV[0] eq '--socket') {
	shift @ARGV;
	$path = shift @ARGV;
	$on_demand = shift @ARGV if @ARGV && $ARGV[0] eq '--on-demand';
}
my ($pidfile, @program) = @ARGV;
die "usage: supervise.pl [--socket PATH [--on-demand]] PIDFILE PROGRAM ARGS...\n"
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
	kill 'TERM', $pid if $stopping;	# SIGTERM came before $child was set
	return $pid;
}

# Whether a connection waits on the socket, after up to $wait seconds.
sub waiting {
	my ($wait) = @_;
	my $bits = '';
	vec($bits, fileno($sock), 1) = 1;
	return (select($bits, undef, undef, $wait) // 0) > 0;
}

$child = start();
while (1) {
	my $done = $child ? waitpid($child, WNOHANG) : 0;
	if ($child && $done == $child) {
		last if $stopping;
		$child = 0;
		if ($on_demand && $? == 0) {
			unlink $pidfile;
			next;
		}
		select(undef, undef, undef, 0.2);	# RestartSec
		$child = start();
		next;
	}
	if (!$stopping && getppid() != $parent) {	# the starter went away
		$stopping = 1;
		kill 'TERM', $child if $child;
	}
	last if $stopping && !$child;
	if (!$child) {
		$child = start() if waiting(0.05) && !$stopping;
		next;
	}
	select(undef, undef, undef, 0.05);
}
unlink $pidfile;
exit 0;
