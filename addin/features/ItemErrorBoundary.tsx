/**
 * Keeps a rendering fault in one item's view from blanking the whole pane: the user sees what went wrong and can try
 * again; the next item (the boundary is keyed by item) starts clean. The error goes to the console for diagnosis.
 */
import { Component, type ErrorInfo, type ReactNode } from 'react';
import { ErrorBar } from './common';
import { strings } from './strings';

interface Props {
  children: ReactNode;
}

interface State {
  error: unknown;
}

export class ItemErrorBoundary extends Component<Props, State> {
  override state: State = { error: undefined };

  static getDerivedStateFromError(error: unknown): State {
    return { error };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    console.error('task pane view failed', error, info.componentStack);
  }

  override render(): ReactNode {
    if (this.state.error === undefined) return this.props.children;
    return <ErrorBar title={strings.viewFailed} error={this.state.error} onRetry={() => this.setState({ error: undefined })} testId="view-error" />;
  }
}
