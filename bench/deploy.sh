# deploy.sh — sourced by bench/run.sh with the stack up ($B, $TOKEN):
# the panel's overhead on deploying an already-built image, beside the raw
# Docker API doing the same create-and-start in the same run.
#
#   raw        POST /containers/create + /start, until the app answers
#   first      POST /api/deployments on a project with no container, until
#              the app answers through nginx
#   redeploy   a new image for the running app, until nginx serves the new
#              version (the zero-downtime path: candidate, health, switch)
#   completed  the same redeploy until the deployment reports succeeded
#              (adds the drain and the old container's stop)

DOCK=${OP_DOCKER_SOCKET:-/var/run/docker.sock}
now_ms() { date +%s%3N; }
# The median of the numbers on stdin, one a line (blank when none).
median() {
	sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]
	    else if (NR) print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
api() {	# METHOD PATH [BODY]
	curl -fsS -X "$1" "$B$2" -H "Authorization: Bearer $TOKEN" \
	    -H 'Content-Type: application/json' ${3:+-d "$3"}
}
# Poll until the app behind Host $1 answers body $2; prints elapsed ms from $3.
wait_body() {
	local host=$1 want=$2 t0=$3
	for _ in $(seq 2400); do
		[ "$(curl -s -m 2 -H "Host: $host" "$B/")" = "$want" ] &&
		    { echo $(( $(now_ms) - t0 )); return 0; }
		sleep 0.025
	done
	echo -1
}

bench_images() {	# bench/app:v1 and :v2, from the test busybox image
	tests/images/build.sh >/dev/null
	local d v
	d=$(mktemp -d)
	for v in v1 v2; do
		echo "$v" > "$d/index.html"
		printf 'FROM openpanel-test/busybox:1\nCOPY index.html /www/index.html\nCMD ["httpd", "-f", "-p", "8080", "-h", "/www"]\n' > "$d/Dockerfile"
		docker build -q -t "openpanel-bench/app:$v" "$d" >/dev/null
	done
	rm -rf "$d"
}

raw_deploy() {	# create + start through the engine API, until it answers
	local t0 id port name=opbench-raw-$RANDOM
	t0=$(now_ms)
	id=$(curl -fsS --unix-socket "$DOCK" -X POST -H 'Content-Type: application/json' \
	    "http://docker/v1.41/containers/create?name=$name" -d '{"Image":"openpanel-bench/app:v1",
	    "ExposedPorts":{"8080/tcp":{}},"HostConfig":{"PortBindings":{"8080/tcp":[{"HostIp":"127.0.0.1","HostPort":""}]}}}' | json "['Id']")
	curl -fsS --unix-socket "$DOCK" -X POST "http://docker/v1.41/containers/$id/start" >/dev/null
	port=$(curl -fsS --unix-socket "$DOCK" "http://docker/v1.41/containers/$id/json" |
	    json "['NetworkSettings']['Ports']['8080/tcp'][0]['HostPort']")
	for _ in $(seq 2400); do
		[ "$(curl -s -m 2 "http://127.0.0.1:$port/")" = v1 ] && break
		sleep 0.025
	done
	echo $(( $(now_ms) - t0 ))
	curl -fsS --unix-socket "$DOCK" -X DELETE "http://docker/v1.41/containers/$id?force=1" >/dev/null
}

# One panel round: first deployment, then a redeploy; "first redeploy completed".
panel_deploy() {
	local team project dep host t0 first serve done_ms status
	team=$(api GET /api/teams | json "['items'][0]['id']")
	project=$(api POST /api/projects "{\"team_id\":\"$team\",\"name\":\"bench-$RANDOM$RANDOM\"}" | json "['id']")
	api PUT "/api/projects/$project/source" '{"git_url":"https://example.invalid/app.git","port":8080,"health_path":"/"}' >/dev/null
	host=app-${project:0:8}.localhost
	t0=$(now_ms)
	api POST /api/deployments "{\"project_id\":\"$project\",\"image\":\"openpanel-bench/app:v1\"}" >/dev/null
	first=$(wait_body "$host" v1 "$t0")
	for _ in $(seq 400); do	# the first must be done before the next
		status=$(api GET "/api/deployments?project_id=$project" | json "['items'][0]['status']")
		[ "$status" = succeeded ] && break; sleep 0.05
	done
	t0=$(now_ms)
	dep=$(api POST /api/deployments "{\"project_id\":\"$project\",\"image\":\"openpanel-bench/app:v2\"}" | json "['id']")
	serve=$(wait_body "$host" v2 "$t0")
	for _ in $(seq 2400); do
		status=$(api GET "/api/deployments/$dep" | json "['status']")
		[ "$status" = succeeded ] || [ "$status" = failed ] && break
		sleep 0.025
	done
	done_ms=$(( $(now_ms) - t0 ))
	api DELETE "/api/projects/$project" >/dev/null || true
	echo "$first $serve $done_ms"
}

bench_deploy() {
	local rows=() raws=() i
	bench_images
	for i in 1 2 3; do
		raws+=("$(raw_deploy)")
		rows+=("$(panel_deploy)")
	done
	{
		echo "| deploy of a built image (ms, median of 3) | time |"
		echo "| --- | ---: |"
		printf '| raw Docker API: create + start + answering | %s |\n' "$(printf '%s\n' "${raws[@]}" | median)"
		printf '| panel, first deployment: request to answering through nginx | %s |\n' "$(printf '%s\n' "${rows[@]}" | awk '{print $1}' | median)"
		printf '| panel, redeploy: request to the new version serving | %s |\n' "$(printf '%s\n' "${rows[@]}" | awk '{print $2}' | median)"
		printf '| panel, redeploy: request to deployment succeeded | %s |\n' "$(printf '%s\n' "${rows[@]}" | awk '{print $3}' | median)"
		echo
		echo "Health needs two good probes 0.5 s apart; the redeploy's completion adds OP_DEPLOY_DRAIN_MS (${OP_DEPLOY_DRAIN_MS:-1500} ms) and the old container's stop (its grace period, 10 s for an app that ignores SIGTERM). $(date -u +%FT%TZ)."
	} | tee bench/results/deploy.md
}
