using FediLearn.ActivityPub.Keys;
using FediLearn.Core.Data.Entities;
using Newtonsoft.Json.Linq;

namespace FediLearn.Core.Federation;

/// <summary>Renders our actors as ActivityStreams documents (federation.md item 6; reference/federation.md §1.2).</summary>
public sealed class ActorRenderer(ActorUrls urls, TimeProvider time)
{
    public JObject Render(LocalActor actor)
    {
        var id = urls.Actor(actor);
        var doc = new JObject
        {
            ["@context"] = JsonLdContexts.Actor(),
            ["id"] = id,
            ["type"] = actor.Kind switch { ActorKind.Group => "Group", ActorKind.Person => "Person", _ => "Application" },
            ["preferredUsername"] = actor.Name,
            ["name"] = actor.DisplayName,
            ["summary"] = SummaryHtml(actor.Summary),
            ["url"] = id,
            ["inbox"] = urls.Inbox(actor),
            ["outbox"] = urls.Outbox(actor),
            ["followers"] = urls.Followers(actor),
            ["following"] = urls.Following(actor),
            ["featured"] = urls.Featured(actor),
            ["endpoints"] = new JObject { ["sharedInbox"] = urls.SharedInbox },
            ["manuallyApprovesFollowers"] = actor.ManuallyApprovesFollowers || actor.Kind == ActorKind.Application,
            // A members-only group is found by its handle, not listed in directories or search.
            ["discoverable"] = actor.Discoverable && actor.Kind != ActorKind.Application && !actor.MembersOnly,
            ["published"] = actor.CreatedAt.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ"),
        };
        if (actor.Kind == ActorKind.Group)
        {
            doc["attributedTo"] = urls.Moderators(actor);
            if (actor.PostingPolicyAt(time.GetUtcNow()) == PostingPolicy.Facilitators && doc["@context"] is JArray { Last: JObject terms })
            {
                // Lemmy's flag for a community only its moderators post in (reference/federation.md §3).
                terms["lemmy"] = "https://join-lemmy.org/ns#";
                terms["postingRestrictedToMods"] = "lemmy:postingRestrictedToMods";
                doc["postingRestrictedToMods"] = true;
            }
            doc["icon"] = new JObject
            {
                ["type"] = "Image",
                ["mediaType"] = actor.IconMediaKey is { } key ? ImageType(key) : "image/png",
                ["url"] = actor.IconMediaKey is { } uploaded ? urls.Media(uploaded) : $"{id}/icon.png",
            };
        }
        doc["publicKey"] = new JObject
        {
            ["id"] = urls.MainKey(actor),
            ["owner"] = id,
            ["publicKeyPem"] = actor.RsaPublicKeyPem,
        };
        doc["assertionMethod"] = new JArray(new JObject
        {
            ["id"] = urls.Ed25519Key(actor),
            ["type"] = "Multikey",
            ["controller"] = id,
            ["publicKeyMultibase"] = Multibase.EncodeEd25519PublicKey(actor.Ed25519PublicKey),
        });
        return doc;
    }

    /// <summary>Summaries are stored as plain text; published as escaped paragraphs so no markup from a form reaches peers.</summary>
    public static string SummaryHtml(string? summary)
    {
        if (string.IsNullOrWhiteSpace(summary)) return "";
        var paragraphs = summary.Replace("\r\n", "\n").Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Concat(paragraphs.Select(p => "<p>" + System.Net.WebUtility.HtmlEncode(p).Replace("\n", "<br>") + "</p>"));
    }

    /// <summary>The media type of an uploaded icon, from the extension MediaService gave its key.</summary>
    public static string ImageType(string key) => Path.GetExtension(key).ToLowerInvariant() switch
    {
        ".jpg" or ".jpeg" => "image/jpeg",
        ".gif" => "image/gif",
        ".webp" => "image/webp",
        _ => "image/png",
    };
}
