// SVG charts to PNG images, for mail: Gmail and Outlook drop inline SVG, but show images that
// come with the mail. resvg renders without a browser (a prebuilt binary inside its npm package),
// and is loaded only when a report is mailed. Text uses the system's fonts.
import { DeskError } from '../../errors.js';

/** Pixels across: twice the chart's width in the mail, sharp on high-density screens. */
const WIDTH_PX = 1440;

export async function svgToPng(svg: string): Promise<Buffer> {
  let Resvg: typeof import('@resvg/resvg-js').Resvg;
  try {
    ({ Resvg } = await import('@resvg/resvg-js'));
  } catch (err) {
    throw new DeskError(`cannot render the charts: the SVG renderer does not load here (${(err as Error).message.split('\n')[0]})`);
  }
  const r = new Resvg(svg, {
    fitTo: { mode: 'width', value: WIDTH_PX },
    background: '#ffffff',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  });
  return Buffer.from(r.render().asPng());
}
