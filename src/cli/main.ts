// The `siyu` command line: every command takes --db / --database-url; data commands are clients of the API.
import { Command, CommanderError } from 'commander';
import { isSiyuError } from '../core/errors.ts';
import { registerServe } from './commands/serve.ts';
import { registerMigrate } from './commands/migrate.ts';
import { registerKeys } from './commands/keys.ts';
import { registerUser } from './commands/user.ts';
import { registerMember } from './commands/member.ts';
import { registerTags } from './commands/tags.ts';
import { registerDemo } from './commands/demo.ts';
import { registerImport } from './commands/import.ts';
import { registerExport } from './commands/export.ts';
import { registerSegment } from './commands/segment.ts';
import { registerRfm } from './commands/rfm.ts';
import { registerLifecycle } from './commands/lifecycle.ts';
import { registerValueTiers } from './commands/value-tiers.ts';
import { registerReport } from './commands/report.ts';
import { registerClv } from './commands/clv.ts';
import { registerLoyalty } from './commands/loyalty.ts';
import { registerCoupons } from './commands/coupons.ts';
import { registerCampaigns } from './commands/campaigns.ts';
import { registerJobs } from './commands/jobs.ts';
import { registerWorker } from './commands/worker.ts';
import { registerTemplates } from './commands/templates.ts';
import { registerMessaging } from './commands/messaging.ts';
import { registerBroadcast } from './commands/broadcast.ts';
import { registerJourney } from './commands/journey.ts';
import { registerStaff } from './commands/staff.ts';
import { registerQrcode } from './commands/qrcode.ts';
import { registerCommunity } from './commands/community.ts';
import { registerConsent } from './commands/consent.ts';
import { registerConsentHistory } from './commands/consent-history.ts';
import { registerPrivacy } from './commands/privacy.ts';
import { registerAudit } from './commands/audit.ts';
import { registerRecommend } from './commands/recommend.ts';
import { registerBackup } from './commands/backup.ts';
import { registerPii } from './commands/pii.ts';
import { registerAlerts } from './commands/alerts.ts';

/** Commands contributed by modules; each adds itself to the program. */
const registrars: Array<(program: Command) => void> = [registerServe, registerMigrate, registerKeys, registerUser, registerMember, registerTags, registerDemo, registerImport, registerExport, registerReport, registerRfm, registerLifecycle, registerValueTiers, registerSegment, registerClv, registerLoyalty, registerCoupons, registerCampaigns, registerJobs, registerWorker, registerTemplates, registerMessaging, registerBroadcast, registerJourney, registerStaff, registerQrcode, registerCommunity, registerConsent, registerRecommend, registerBackup, registerConsentHistory, registerPrivacy, registerAudit, registerPii, registerAlerts];

export function buildProgram(): Command {
  const program = new Command('siyu')
    .description('Siyu (私域) — private-domain user operations platform')
    .version('0.1.0')
    .showHelpAfterError();
  for (const register of registrars) register(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) process.exit(e.exitCode);
    if (isSiyuError(e)) {
      process.stderr.write(`siyu: ${e.message}${e.field ? ` [${e.field}]` : ''} (${e.code})\n`);
      process.exit(e.type === 'invalid_data' ? 2 : 1);
    }
    process.stderr.write(`siyu: ${(e as Error)?.stack ?? e}\n`);
    process.exit(1);
  }
}
