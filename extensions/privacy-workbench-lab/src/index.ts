/**
 * privacy-workbench-lab: a Launcher tile that opens a new notebook with the Privacy Workbench dashboard and runs
 * it, and command-palette commands that open each tutorial (copied by the server extension `workbench._server`
 * into `notebooks/` under the server's root folder when it is not there yet).
 *
 * The launcher and the palette are optional, so the plugin also loads in Notebook 7, whose pages may lack them.
 */
import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, showErrorMessage } from '@jupyterlab/apputils';
import { URLExt } from '@jupyterlab/coreutils';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { ILauncher } from '@jupyterlab/launcher';
import { NotebookActions, NotebookPanel } from '@jupyterlab/notebook';
import { ServerConnection } from '@jupyterlab/services';
import { LabIcon } from '@jupyterlab/ui-components';

import iconSvg from '../style/icon.svg';

/** The code of the dashboard notebook's only cell. */
export const DASHBOARD_SOURCE = 'import workbench as wb\n\nwb.dashboard("adult")';

/** Launcher category of the tutorials and palette category of every command. */
const CATEGORY = 'Privacy Workbench';
/** The dashboard tile sits with the notebook kernels, at the top of the Launcher, right after the default kernel. */
const DASHBOARD_CATEGORY = 'Notebook';

/** Command ids. */
export namespace CommandIDs {
  export const newDashboard = 'privacy-workbench:new-dashboard';
  export const openTutorial = 'privacy-workbench:open-tutorial';
}

/** One tutorial as the server lists it. */
interface ITutorial {
  name: string;
  title: string;
}

/** The server's answer when it opened (and maybe copied) a tutorial. */
interface IOpened {
  path: string;
  created: boolean;
}

export const workbenchIcon = new LabIcon({ name: 'privacy-workbench:icon', svgstr: iconSvg });

/** Call the authenticated server extension under `<base_url>/privacy-workbench/`. */
async function requestAPI<T>(endpoint: string, init: RequestInit = {}): Promise<T> {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, 'privacy-workbench', endpoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new ServerConnection.NetworkError(error as TypeError);
  }
  const text = await response.text();
  let data: any = text;
  try {
    data = text ? JSON.parse(text) : {};
  } catch {
    // not JSON: keep the text for the error message
  }
  if (!response.ok) {
    throw new ServerConnection.ResponseError(response, data?.message ?? text);
  }
  return data as T;
}

/** A notebook whose first cell shows the dashboard, bound to the default Python kernel (no kernel dialog). */
function dashboardNotebook(): Record<string, unknown> {
  return {
    cells: [
      {
        cell_type: 'markdown',
        metadata: {},
        source:
          '# Privacy Workbench\n\nThe cell below runs by itself when this notebook is opened from the Launcher. ' +
          'The Adult census data is loaded: look at who could be identified (Risk), anonymise it or train a model ' +
          'with differential privacy, attack the result (Audit), and watch a privacy-utility trade-off curve fill ' +
          'in live (Trade-off). The tutorials (Launcher, or the command palette: "Open tutorial") explain each step.'
      },
      { cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: DASHBOARD_SOURCE }
    ],
    metadata: {
      kernelspec: { display_name: 'Python 3 (ipykernel)', language: 'python', name: 'python3' },
      language_info: { name: 'python' }
    },
    nbformat: 4,
    nbformat_minor: 5
  };
}

/** Create the dashboard notebook in `cwd`, open it and run it; returns the widget (undefined in Notebook 7's tree). */
async function newDashboard(app: JupyterFrontEnd, cwd: string): Promise<unknown> {
  const contents = app.serviceManager.contents;
  const model = await contents.newUntitled({ path: cwd, type: 'notebook' });
  await contents.save(model.path, { type: 'notebook', format: 'json', content: dashboardNotebook() });
  const widget = await app.commands.execute('docmanager:open', {
    path: model.path,
    factory: 'Notebook',
    kernel: { name: 'python3' }
  });
  if (widget instanceof NotebookPanel) {
    await widget.context.ready;
    await widget.sessionContext.ready;
    await NotebookActions.runAll(widget.content, widget.sessionContext);
  }
  return widget;
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'privacy-workbench-lab:plugin',
  description: 'Launcher tile for the Privacy Workbench dashboard and commands that open its tutorials.',
  autoStart: true,
  optional: [ILauncher, ICommandPalette, IDefaultFileBrowser],
  activate: (
    app: JupyterFrontEnd,
    launcher: ILauncher | null,
    palette: ICommandPalette | null,
    browser: IDefaultFileBrowser | null
  ) => {
    const titles = new Map<string, string>();

    app.commands.addCommand(CommandIDs.newDashboard, {
      label: args => (args['isPalette'] ? 'New dashboard notebook' : 'Privacy Workbench'),
      caption: 'Open a new notebook with the Privacy Workbench dashboard and run it',
      icon: args => (args['isPalette'] ? undefined : workbenchIcon),
      execute: async args => {
        const cwd = (args['cwd'] as string | undefined) ?? browser?.model.path ?? '';
        try {
          return await newDashboard(app, cwd);
        } catch (error) {
          await showErrorMessage('Privacy Workbench: could not open the dashboard', error as Error);
        }
      }
    });

    app.commands.addCommand(CommandIDs.openTutorial, {
      label: args => {
        const title = titles.get(args['name'] as string) ?? (args['name'] as string) ?? 'tutorial';
        return args['isPalette'] ? `Open tutorial: ${title}` : title;
      },
      caption: 'Open a Privacy Workbench tutorial (copied into notebooks/ if it is not there yet)',
      icon: args => (args['isPalette'] ? undefined : workbenchIcon),
      execute: async args => {
        const name = args['name'] as string;
        try {
          const opened = await requestAPI<IOpened>(`tutorials/${encodeURIComponent(name)}`, { method: 'POST' });
          return await app.commands.execute('docmanager:open', { path: opened.path, factory: 'Notebook' });
        } catch (error) {
          await showErrorMessage(`Privacy Workbench: could not open the tutorial ${name}`, error as Error);
        }
      }
    });

    if (launcher) {
      launcher.add({
        command: CommandIDs.newDashboard,
        category: DASHBOARD_CATEGORY,
        rank: 1,
        // cards of the Notebook category show an image (as kernels do), not the command's icon
        kernelIconUrl: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(iconSvg)}`
      });
    }
    if (palette) {
      palette.addItem({ command: CommandIDs.newDashboard, category: CATEGORY, args: { isPalette: true } });
    }

    // The tutorial list comes from the server extension; do not hold up the application start for it.
    void requestAPI<{ tutorials: ITutorial[] }>('tutorials')
      .then(({ tutorials }) => {
        tutorials.forEach((tutorial, index) => {
          titles.set(tutorial.name, tutorial.title);
          palette?.addItem({
            command: CommandIDs.openTutorial,
            category: CATEGORY,
            args: { name: tutorial.name, isPalette: true }
          });
          launcher?.add({
            command: CommandIDs.openTutorial,
            category: CATEGORY,
            rank: index + 1,
            args: { name: tutorial.name }
          });
        });
      })
      .catch(reason => {
        console.warn('privacy-workbench-lab: the server extension did not list the tutorials', reason);
      });
  }
};

export default plugin;
