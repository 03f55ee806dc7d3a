using System.CommandLine;
using FediLearn.Core;
using FediLearn.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace FediLearn.Web.Cli;

/// <summary>For developers writing the next migration script (EF's design-time tools do not restore here).</summary>
internal static class SchemaCommands
{
    public static Command Build()
    {
        var script = new Command("script", "Print the SQL that creates the current model's schema from scratch (compare it with Data/Migrations to write the next script)");
        script.SetAction(_ =>
        {
            if (CliApp.ConfiguredBuilder(validate: false) is not { } builder) return 1;
            builder.Services.AddFediLearnCore(builder.Configuration);
            using var host = builder.Build();
            using var scope = host.Services.CreateScope();
            Console.Write(scope.ServiceProvider.GetRequiredService<FediLearnDbContext>().Database.GenerateCreateScript());
            return 0;
        });
        return new Command("schema", "Database schema tools for developers") { script };
    }
}
