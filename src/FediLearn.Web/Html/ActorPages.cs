using FediLearn.Core.Data.Entities;
using FediLearn.Core.Federation;
using static FediLearn.Web.Html.HtmlLayout;

namespace FediLearn.Web.Html;

/// <summary>The human side of an actor URL: who this is and how to follow it from any fediverse app.</summary>
public static class ActorPages
{
    public static IResult Actor(LocalActor actor, ActorUrls urls, int followers)
    {
        var id = urls.Actor(actor);
        var handle = urls.Handle(actor);
        var kind = actor.Kind == ActorKind.Group ? "Learning group" : actor.Kind == ActorKind.Person ? "Member" : "Node";
        var summary = ActorRenderer.SummaryHtml(actor.Summary);
        var approval = actor.ManuallyApprovesFollowers
            ? "<p>Facilitators approve each follow request: after you follow, your request shows as pending until they accept it.</p>"
            : "<p>Anyone can follow: your follow is accepted at once.</p>";
        var follow = actor.Kind == ActorKind.Application ? "" : $"""
            <section class="card" aria-labelledby="follow">
            <h2 id="follow">Follow from your fediverse account</h2>
            <p>On Mastodon (or any fediverse app), search for <code>{E(handle)}</code>, or paste this page's address
            <code>{E(id)}</code> into the search box, then choose <strong>Follow</strong>.</p>
            {(actor.Kind == ActorKind.Group ? approval + "<p>Prompts, posts and session announcements of the group then appear in your home timeline, and your replies reach everyone in the group.</p>" : "")}
            </section>
            """;
        var body = $"""
            <p class="muted">{kind}</p>
            <h1>{E(actor.DisplayName)}</h1>
            <p class="handle">{E(handle)}</p>
            {summary}
            <p class="muted">{followers} {(followers == 1 ? "follower" : "followers")}</p>
            {follow}
            """;
        return Result($"{actor.DisplayName} ({handle})", body, id);
    }
}
