#!/usr/bin/env bash
# Regenerates the EF Core compiled models in src/FediLearn.Core/Data/CompiledModels/{Sqlite,Postgres}
# (docs/architecture.md, "Compiled models"). Run it after any change to an entity, a configuration or
# FediLearnDbContext.OnModelCreating; CompiledModelTests fails until you do.
#
# The design-time parts (Microsoft.EntityFrameworkCore.Design and the dotnet-ef tool) live in a throwaway project
# under a temporary folder, so that nothing of them is built into or shipped with the node.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
ef_version=$(sed -n 's/.*"Microsoft.EntityFrameworkCore.Sqlite" Version="\([^"]*\)".*/\1/p' "$repo/Directory.Packages.props")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out="$repo/src/FediLearn.Core/Data/CompiledModels"

echo "EF Core $ef_version; design-time project in $work"
dotnet tool install --tool-path "$work/tools" dotnet-ef --version "$ef_version" >/dev/null

cat > "$work/ModelGen.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
    <Nullable>enable</Nullable>
    <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Microsoft.EntityFrameworkCore.Design" Version="$ef_version" />
    <ProjectReference Include="$repo/src/FediLearn.Core/FediLearn.Core.csproj" />
  </ItemGroup>
</Project>
EOF

# The provider is chosen by an environment variable; no database is opened, the model is built from the code alone.
cat > "$work/Factory.cs" <<'EOF'
using FediLearn.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

public sealed class Factory : IDesignTimeDbContextFactory<FediLearnDbContext>
{
    public FediLearnDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<FediLearnDbContext>();
        if (Environment.GetEnvironmentVariable("FEDILEARN_MODEL_PROVIDER") == "Postgres") options.UseNpgsql("Host=127.0.0.1");
        else options.UseSqlite("Data Source=:memory:");
        return new FediLearnDbContext(options.Options);
    }
}
EOF
echo 'return 0;' > "$work/Program.cs"

dotnet build "$work/ModelGen.csproj" -c Release -v quiet -nologo >/dev/null
for provider in Sqlite Postgres; do
  echo "generating the $provider model"
  rm -rf "$out/$provider"
  FEDILEARN_MODEL_PROVIDER=$provider "$work/tools/dotnet-ef" dbcontext optimize --no-build --configuration Release \
    --project "$work/ModelGen.csproj" --output-dir "$out/$provider" --namespace "FediLearn.Core.Data.CompiledModels.$provider" >/dev/null
  # Two models of one context: FediLearnDbContext picks one with UseModel; the attribute that would let EF find one
  # by itself is left out.
  rm -f "$out/$provider/FediLearnDbContextAssemblyAttributes.cs"
  echo "  $(ls "$out/$provider" | wc -l) files in ${out#"$repo"/}/$provider"
done
