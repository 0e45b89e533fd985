// routes.jsx — every signed-in screen and the path that shows it.
import { Page, Empty } from '../ui/widgets.jsx';
import { Dashboard } from './dashboard.jsx';
import { Teams } from './teams.jsx';
import { TeamDetail } from './team.jsx';
import { Tokens } from './tokens.jsx';
import { Security } from './security.jsx';
import { Projects } from './projects.jsx';
import { ProjectDetail } from './project.jsx';
import { ContainerDetail } from './container.jsx';
import { BuildDetail } from './build.jsx';
import { Templates } from './templates.jsx';
import { Audit } from './audit.jsx';
import { Domains } from './domains.jsx';
import { Backups } from './backups.jsx';
import { Monitoring } from './monitoring.jsx';
import { Users } from './users.jsx';
import { Settings } from './settings.jsx';
import { Swarm } from './swarm.jsx';
import { PanelLogs } from './panel_logs.jsx';

export const routes = [
	['/', Dashboard],
	['/teams', Teams],
	['/teams/:id', TeamDetail],
	['/tokens', Tokens],
	['/security', Security],
	['/projects', Projects],
	['/projects/:id', ProjectDetail],
	['/containers/:id', ContainerDetail],
	['/builds/:id', BuildDetail],
	['/templates', Templates],
	['/domains', Domains],
	['/backups', Backups],
	['/monitoring', Monitoring],
	['/audit', Audit],
	['/admin/users', Users],
	['/admin/settings', Settings],
	['/admin/swarm', Swarm],
	['/admin/logs', PanelLogs],
];

export function NotFound() {
	return <Page title="Not found"><Empty>There is nothing at this address.
		<a href="#/"> Back to the dashboard.</a></Empty></Page>;
}
