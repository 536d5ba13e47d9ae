/**
 * The meeting pane's markup for a meeting in the organizer's form, rendered on the server side of React (Jest runs in
 * Node without a DOM, so effects do not run): the loading state while Outlook is read, and the "save first" panel.
 */
import type { ReactNode } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { createDOMRenderer, FluentProvider, RendererProvider, webLightTheme } from '@fluentui/react-components';
import { MeetingView, SaveFirstPanel } from '../../addin/features/MeetingView';
import { strings } from '../../addin/features/strings';
import type { RelayClient } from '../../addin/api/client';
import type { MeetingDetails, MeetingLoad } from '../../addin/office/meeting';

const render = (node: ReactNode): string =>
  renderToStaticMarkup(
    <RendererProvider renderer={createDOMRenderer()}>
      <FluentProvider theme={webLightTheme}>{node}</FluentProvider>
    </RendererProvider>,
  );

const details: MeetingDetails = {
  subject: 'Quarterly pump review',
  organizer: { address: 'anna.berger@contoso.example', name: 'Anna Berger' },
  requiredAttendees: [{ address: 'julia@hoffmann.example', name: 'Julia Hoffmann' }],
  optionalAttendees: [],
  start: '2026-12-02T09:00:00.000Z',
  end: '2026-12-02T10:00:00.000Z',
  location: 'Hoffmann HQ',
  isAllDay: false,
  timeZone: 'Europe/Berlin',
};

/** A string as React writes it into markup (it escapes quotes, apostrophes and ampersands in text). */
const escaped = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&#x27;').replace(/"/g, '&quot;');

describe('meeting pane in the organizer’s form', () => {
  it('shows the loading state while the meeting is read, and reads nothing from the relay yet', () => {
    const load = (): Promise<MeetingLoad> => new Promise<MeetingLoad>(() => undefined);
    const client = {} as RelayClient; // no method may be called during the first render
    const html = render(<MeetingView load={load} client={client} />);
    expect(html).toContain('data-testid="loading"');
    expect(html).toContain(escaped(strings.readingMeeting));
  });

  it('asks to save a new meeting, names it, and offers to check again', () => {
    const html = render(<SaveFirstPanel details={details} reason="not-saved" onCheckAgain={() => undefined} />);
    expect(html).toContain('data-testid="meeting-needs-save"');
    expect(html).toContain('data-reason="not-saved"');
    expect(html).toContain(escaped(strings.saveMeetingFirst));
    expect(html).toContain(escaped(strings.meetingNotSaved));
    expect(html).toContain('Quarterly pump review');
    expect(html).toContain('Hoffmann HQ');
    expect(html).toContain('data-testid="meeting-check-again"');
    expect(html).not.toContain('create-appointment-button');
  });

  it('explains a host that cannot give the id, without a useless "check again"', () => {
    const html = render(<SaveFirstPanel details={details} reason="id-unavailable" onCheckAgain={() => undefined} />);
    expect(html).toContain('data-reason="id-unavailable"');
    expect(html).toContain(escaped(strings.meetingIdUnavailable));
    expect(html).not.toContain('meeting-check-again');
  });
});
