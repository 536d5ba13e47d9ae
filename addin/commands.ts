/**
 * Function-command runtime of the manifest (the page behind `FunctionFile`). The add-in's ribbon button only opens the
 * task pane (ShowTaskpane), so there are no function commands to register; the page must still load Office.js and
 * call onReady for Outlook to accept the runtime.
 */
import { loadOffice } from './office/loadOffice';

void loadOffice(window).catch(() => undefined);
