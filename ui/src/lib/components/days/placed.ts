import type { Attachment } from 'svelte/attachments'

/**
 * Sets one length on an element through the CSSOM (`element.style.setProperty`), for sizes only
 * known at run time such as a virtual list's height and row offsets. The CSP blocks `style`
 * attributes in markup; CSSOM writes are not affected by it.
 */
export function placed(property: 'top' | 'height', px: number): Attachment<HTMLElement> {
  return (element) => {
    element.style.setProperty(property, `${Math.round(px)}px`)
  }
}
