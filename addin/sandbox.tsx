/** Entry of the sandbox Outlook page (/sandbox.html), served by the relay in sandbox mode only. */
import { createRoot } from 'react-dom/client';
import { SandboxApp } from './sandbox/SandboxApp';

const container = document.getElementById('root');
if (container !== null) createRoot(container).render(<SandboxApp />);
