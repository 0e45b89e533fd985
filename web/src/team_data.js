// team_data.js — what several screens list about the team being looked
// at: its projects, and the containers of all of them.
import { all, get } from './api.js';

// {projects, containers}; each container carries its project's name.
export async function teamContainers(team) {
	if (!team) return { projects: [], containers: [] };
	const projects = await all('/api/projects', { team_id: team.id });
	const lists = await Promise.all(projects.map((p) =>
	    all('/api/containers', { project_id: p.id })
		.then((cs) => cs.map((c) => ({ ...c, project: p.name })))));
	return { projects, containers: lists.flat() };
}

// The options of a container picker: "project / name".
export function containerLabel(c) {
	return `${c.project} / ${c.name}`;
}

// A list the API answers whole for a team (alert rules, channels: no
// pages, no limit).
export async function teamList(path, team) {
	return (await get(path, { team_id: team.id })).items;
}
