import factory
from allauth.account.models import EmailAddress

from accounts.models import Friendship, User

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    handle = factory.Sequence(lambda n: f"user_{n}")
    email = factory.LazyAttribute(lambda u: f"{u.handle}@example.com")
    display_name = factory.LazyAttribute(lambda u: u.handle.replace("_", " ").title())
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified_email(user, create, extracted, **kwargs):
        if create:
            user.save()
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)


def make_friends(a: User, b: User) -> None:
    Friendship.objects.bulk_create([Friendship(user=a, friend=b), Friendship(user=b, friend=a)])
