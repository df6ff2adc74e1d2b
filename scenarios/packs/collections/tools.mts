// A pack's own TypeScript tool, made with the same defineTool the built-in tools use. The loader
// passes the kit in, so this file needs voicesim only for its types and loads from any folder.
import type { PackToolKit } from "voicesim";

const OFFICE = "Lakeshore Recovery Services, P O Box 4410, Chicago, Illinois, 6 0 6 8 0";

export function tools({ defineTool, toolOk, toolFail, z }: PackToolKit) {
  return [
    defineTool({
      name: "get_mailing_address",
      description: "The address where payments by check and written disputes are mailed, with what to write on the check.",
      args: z.object({ account_id: z.string().optional().describe("include the account number on the check when known") }),
      run(args, ctx) {
        if (args.account_id && !ctx.collection("accounts").some((a) => a.id === args.account_id)) {
          return toolFail("not_found", `no account ${args.account_id}`);
        }
        return toolOk({
          notes: `Checks and written disputes go to ${OFFICE}. Please write your account number on the check.`,
          address: OFFICE,
        });
      },
    }),
  ];
}
