import io
from datetime import timedelta

import factory
from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image as PILImage

from articles import services
from articles.models import Article, Category, Image, Person, Reference, Tag
from comments.models import Comment


def image_bytes(fmt="JPEG", size=(1200, 800), color=(30, 120, 110), **save_kwargs):
    """Return the bytes of a solid-colour image in `fmt`."""
    out = io.BytesIO()
    mode = "RGBA" if fmt == "PNG" else "RGB"
    PILImage.new(mode, size, color).save(out, fmt, **save_kwargs)
    return out.getvalue()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@clinic.example")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-1")

    @factory.post_generation
    def role(self, create, group_name, **kwargs):
        if create and group_name:
            self.groups.add(Group.objects.get(name=group_name))
        if create:
            self.save()


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"Tag {n}")
    slug = factory.Sequence(lambda n: f"tag-{n}")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"Dr. Person {n}")
    slug = factory.Sequence(lambda n: f"person-{n}")
    credentials = "MD, spine surgeon"

    class Params:
        #: Linked to an account that may sign off articles.
        can_sign_off = factory.Trait(
            user=factory.SubFactory(UserFactory, role="Medical reviewers")
        )


class ImageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Image

    file = factory.LazyFunction(lambda: ContentFile(image_bytes(), name="photo.jpg"))
    title = factory.Sequence(lambda n: f"Image {n}")


class ArticleFactory(factory.django.DjangoModelFactory):
    """
    A draft article. `in_review`, `signed_off`, `published` (dated
    `published_at`, a day ago by default) and `archived` walk it through the
    workflow services, as an editor and a reviewer would.
    """

    class Meta:
        model = Article

    title = factory.Sequence(lambda n: f"Article number {n}")
    slug = factory.Sequence(lambda n: f"article-{n}")
    body = "<p>Plain words about the spine.</p>"
    category = factory.SubFactory(CategoryFactory)
    in_review = False
    signed_off = False
    published = False
    archived = False
    published_at = None

    @classmethod
    def _create(
        cls,
        model_class,
        *args,
        in_review,
        signed_off,
        published,
        archived,
        published_at,
        **kwargs,
    ):
        article = services.create_article(article=model_class(*args, **kwargs))
        if in_review or signed_off or published or archived:
            services.record_submission(article=article)
        if signed_off or published or archived:
            services.record_sign_off(article=article, reviewer=PersonFactory())
        if published or archived:
            when = published_at or timezone.now() - timedelta(days=1)
            services.record_publication(article=article, at=when)
        if archived:
            services.record_withdrawal(article=article, status=Article.Status.ARCHIVED)
        return article


class ReferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reference

    article = factory.SubFactory(ArticleFactory)
    citation = factory.Sequence(lambda n: f"Author A. A study of backs, part {n}.")
    doi = "10.1000/example"


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    article = factory.SubFactory(ArticleFactory, published=True)
    author_name = factory.Sequence(lambda n: f"Reader {n}")
    author_email = factory.Sequence(lambda n: f"reader{n}@mail.example")
    body = factory.Sequence(lambda n: f"Comment text number {n}.")
    status = Comment.Status.APPROVED
