/**
 * Shows the focus ring on the first control a keyboard user reaches when tabbing INTO the task pane (issue 7.12).
 *
 * Why it can be missing: Fluent draws focus rings only on elements marked `data-fui-focus-visible`, which its keyborg
 * library sets while it believes the user navigates by keyboard. Keyborg learns that from a Tab keydown in this
 * window, or from a focus move between two elements of this document (a focusin with a `relatedTarget`). Tabbing
 * INTO the pane gives neither: the Tab keydown happens in Outlook's document (the pane is an iframe) and the focus
 * that reaches the pane comes from another document, so its `relatedTarget` is null and keyborg ignores it; the next
 * Tab, pressed inside the pane, switches it on. Tabster (Fluent 9.74) often hides this: when the focus lands on one of
 * its invisible "dummy" inputs first, it moves it on to the control, and that second move has a `relatedTarget`.
 * Where the focus lands on a control directly, nothing does.
 *
 * The fix fills exactly that gap: focus that arrives from outside this document, not by a script's `focus()` and
 * not right after a pointer press inside the pane, can only have come from the keyboard (Tab / Shift+Tab, F6), so
 * keyborg is told the user navigates by keyboard, through Fluent's own API.
 */
import { useEffect } from 'react';
import { useFluent } from '@fluentui/react-components';
import { KEYBORG_FOCUSIN, useSetKeyboardNavigation } from '@fluentui/react-tabster';

/** A pointer press this recent explains a focus arriving from outside (a click into the pane); keyborg uses 1 s too. */
const POINTER_WINDOW_MS = 1000;

interface KeyborgFocusInDetail {
  relatedTarget?: EventTarget;
  isFocusedProgrammatically?: boolean;
}

export function KeyboardEntryFocus(): null {
  const { targetDocument } = useFluent();
  const setKeyboardNavigation = useSetKeyboardNavigation();

  useEffect(() => {
    const doc = targetDocument;
    const win = doc?.defaultView;
    if (doc === undefined || win === null || win === undefined) return;
    let pointerAt = Number.NEGATIVE_INFINITY;
    const onPointer = (): void => {
      pointerAt = win.performance.now();
    };
    const onFocusIn = (event: Event): void => {
      const detail = (event as CustomEvent<KeyborgFocusInDetail>).detail;
      if (detail === null || typeof detail !== 'object') return;
      if (detail.relatedTarget !== undefined && detail.relatedTarget !== null) return;
      // undefined: keyborg could not tell; only a focus it saw not to be programmatic counts.
      if (detail.isFocusedProgrammatically !== false) return;
      if (win.performance.now() - pointerAt < POINTER_WINDOW_MS) return;
      if (event.target === doc.body || event.target === doc.documentElement) return;
      setKeyboardNavigation(true);
    };
    // Capture, so a press is recorded before the focus it causes.
    doc.addEventListener('pointerdown', onPointer, true);
    doc.addEventListener('mousedown', onPointer, true);
    doc.addEventListener('touchstart', onPointer, true);
    doc.addEventListener(KEYBORG_FOCUSIN, onFocusIn);
    return () => {
      doc.removeEventListener('pointerdown', onPointer, true);
      doc.removeEventListener('mousedown', onPointer, true);
      doc.removeEventListener('touchstart', onPointer, true);
      doc.removeEventListener(KEYBORG_FOCUSIN, onFocusIn);
    };
  }, [targetDocument, setKeyboardNavigation]);

  return null;
}
