using SigWatch.Cli;
using SigWatch.Cli.Output;

return CliApp.Run(args, CliConsole.System);
