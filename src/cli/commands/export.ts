// `siyu export members [--tag T] [--q Q] --out FILE.csv|.xlsx`: members to CSV (UTF-8 with BOM) or Excel.
import type { Command } from 'commander';
import { connectApi } from '../api-client.ts';
import { withStoreOptions } from '../options.ts';
import { exportFormatOf, exportMembers } from '../../modules/imports/export.ts';

export function registerExport(program: Command) {
  const exp = program.command('export').description('export data to CSV or Excel');
  withStoreOptions(exp.command('members'))
    .description('export members (all, with a tag, or matching a search) to .csv or .xlsx')
    .option('--tag <tag>', 'only members with this tag (name or id)')
    .option('--q <query>', 'only members matching phone, email, name or id')
    .requiredOption('--out <file>', 'output file: .csv (UTF-8 with BOM) or .xlsx')
    .action(async (opts) => {
      exportFormatOf(opts.out); // fail on a wrong extension before connecting
      const api = await connectApi(opts);
      try {
        let last = Date.now();
        const res = await exportMembers({
          api,
          out: opts.out,
          tag: opts.tag,
          q: opts.q,
          onProgress: (rows) => {
            if (Date.now() - last < 5000) return;
            last = Date.now();
            process.stderr.write(`exported ${rows} members…\n`);
          },
        });
        process.stdout.write(`Exported ${res.rows} members to ${res.file} in ${res.seconds.toFixed(1)} s\n`);
      } finally {
        await api.close();
      }
    });
}
